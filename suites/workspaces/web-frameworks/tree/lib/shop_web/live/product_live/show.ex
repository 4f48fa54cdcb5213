defmodule ShopWeb.ProductLive.Show do
  use ShopWeb, :live_view

  require Logger

  alias Shop.Catalog

  @impl true
  def mount(%{"slug" => slug}, _session, socket) do
    case Catalog.get_product_by_slug(slug) do
      nil ->
        Logger.warning("product not found: #{inspect(slug)}")
        {:ok, socket |> put_flash(:error, "Product not found") |> push_navigate(to: ~p"/products")}

      product ->
        {:ok, assign(socket, product: product, page_title: product.name)}
    end
  end
end
