defmodule ShopWeb.CheckoutLive do
  use ShopWeb, :live_view

  alias Shop.{Carts, Orders}

  @impl true
  def mount(_params, %{"cart_id" => cart_id}, socket) do
    cart = Carts.get_cart!(cart_id)
    {:ok, assign(socket, cart: cart, total: Carts.total(cart), form: to_form(%{"address" => ""}))}
  end

  @impl true
  def handle_event("place_order", params, socket) do
    IO.inspect(params)

    case Orders.place(socket.assigns.cart, params["address"]) do
      {:ok, order} -> {:noreply, push_navigate(socket, to: ~p"/orders/#{order.id}")}
      {:error, changeset} -> {:noreply, assign(socket, form: to_form(changeset))}
    end
  end
end
