import requests

UPSTREAM = "https://upstream.acme.dev/api"


def fetch_orders(customer_id: str, retries: int = 3) -> list[dict]:
    last_error = None
    for _ in range(retries):
        try:
            response = requests.get(f"{UPSTREAM}/orders", params={"customer": customer_id}, timeout=5)
            response.raise_for_status()
            return response.json()
        except requests.RequestException as exc:
            last_error = exc
    raise RuntimeError(f"upstream kept failing: {last_error}")
