defmodule ShopWeb.Router do
  use ShopWeb, :router

  import ShopWeb.UserAuth

  pipeline :browser do
    plug :accepts, ["html"]
    plug :fetch_session
    plug :fetch_live_flash
    plug :put_root_layout, html: {ShopWeb.Layouts, :root}
    plug :protect_from_forgery
    plug :put_secure_browser_headers
    plug :fetch_current_user
  end

  pipeline :api do
    plug :accepts, ["json"]
    plug ShopWeb.Plugs.ApiToken
  end

  pipeline :require_auth do
    plug :require_authenticated_user
  end

  scope "/", ShopWeb do
    pipe_through :browser

    get "/", PageController, :home
    live "/products", ProductLive.Index, :index
    live "/products/:slug", ProductLive.Show, :show
    live "/cart", CartLive, :show
  end

  scope "/", ShopWeb do
    pipe_through [:browser, :require_auth]

    live "/checkout", CheckoutLive, :new
    live "/users/settings", UserSettingsLive, :edit
  end

  scope "/api", ShopWeb.Api do
    pipe_through :api

    get "/products", ProductController, :index
    post "/carts/:id/items", CartItemController, :create
  end

  if Application.compile_env(:shop, :dev_routes) do
    import Phoenix.LiveDashboard.Router

    scope "/dev" do
      pipe_through :browser
      live_dashboard "/dashboard", metrics: ShopWeb.Telemetry
    end
  end
end
