defmodule ShopWeb.CartLive do
  use ShopWeb, :live_view

  alias Shop.Carts

  @impl true
  def mount(_params, %{"cart_id" => cart_id}, socket) do
    cart = Carts.get_cart!(cart_id)
    {:ok, assign(socket, cart: cart, total: Carts.total(cart))}
  end

  @impl true
  def handle_event("remove", %{"item_id" => item_id}, socket) do
    cart = Carts.remove_item!(socket.assigns.cart, item_id)
    {:noreply, assign(socket, cart: cart)}
  end
end
