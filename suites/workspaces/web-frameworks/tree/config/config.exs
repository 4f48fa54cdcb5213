import Config

config :shop, ecto_repos: [Shop.Repo]

config :shop, ShopWeb.Endpoint,
  url: [host: "localhost"],
  adapter: Bandit.PhoenixAdapter,
  render_errors: [formats: [html: ShopWeb.ErrorHTML], layout: false],
  live_view: [signing_salt: "c4rt-s4lt"]

config :logger, :console, format: "$time $metadata[$level] $message\n"

import_config "#{config_env()}.exs"
