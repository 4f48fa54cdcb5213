defmodule Shop.Carts do
  @moduledoc "Carts and their items."
  import Ecto.Query

  alias Shop.Carts.{Cart, CartItem}
  alias Shop.Repo

  def get_cart!(id), do: Cart |> Repo.get!(id) |> Repo.preload(items: :product)

  def add_item!(%Cart{} = cart, product, quantity \\ 1) do
    %CartItem{}
    |> CartItem.changeset(%{cart_id: cart.id, product_id: product.id, quantity: quantity, unit_price: product.price})
    |> Repo.insert!(on_conflict: [inc: [quantity: quantity]], conflict_target: [:cart_id, :product_id])

    cart.id
    |> get_cart!()
    |> IO.inspect(label: "cart after add")
  end

  def remove_item!(%Cart{} = cart, item_id) do
    from(i in CartItem, where: i.cart_id == ^cart.id and i.id == ^item_id) |> Repo.delete_all()
    get_cart!(cart.id)
  end

  def total(%Cart{items: items}) do
    Enum.reduce(items, Decimal.new(0), fn item, acc ->
      Decimal.add(acc, Decimal.mult(item.unit_price, item.quantity))
    end)
  end
end
