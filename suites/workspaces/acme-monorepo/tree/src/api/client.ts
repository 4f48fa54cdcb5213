const BASE_URL = 'http://localhost:4000';

export async function fetchJson<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${BASE_URL}${path}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init?.headers ?? {}) },
  });
  if (!response.ok) {
    throw new Error(`${init?.method ?? 'GET'} ${path} failed: ${response.status}`);
  }
  return (await response.json()) as T;
}

export function getTodos() {
  return fetchJson<{ id: number; title: string }[]>('/api/todos');
}

export function deleteTodo(id: number) {
  return fetchJson<void>(`/api/todos/${id}`, { method: 'DELETE' });
}
