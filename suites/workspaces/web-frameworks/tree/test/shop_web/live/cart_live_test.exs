defmodule ShopWeb.CartLiveTest do
  use ShopWeb.ConnCase, async: false

  import Phoenix.LiveViewTest
  import Shop.Fixtures

  setup %{conn: conn} do
    cart = cart_fixture(items: [{product_fixture(price: "7.50"), 1}, {product_fixture(price: "12.00"), 1}])
    {:ok, conn: init_test_session(conn, %{"cart_id" => cart.id}), cart: cart}
  end

  test "shows every item", %{conn: conn} do
    {:ok, _view, html} = live(conn, ~p"/cart")
    assert html =~ "Total: $19.50"
  end

  test "links to checkout", %{conn: conn} do
    {:ok, view, _html} = live(conn, ~p"/cart")
    assert has_element?(view, "a", "Checkout")
  end

  test "removing an item updates the total", %{conn: conn, cart: cart} do
    [first | _] = cart.items
    {:ok, view, _html} = live(conn, ~p"/cart")

    view
    |> element("#item-#{first.id} button", "Remove")
    |> render_click()

    assert render(view) =~ "Total: $12.00"
  end
end
