defmodule ShopWeb.PageController do
  use ShopWeb, :controller

  def home(conn, _params) do
    IO.inspect(conn.assigns, label: "assigns")
    render(conn, :home, featured: Shop.Catalog.featured_products())
  end
end
