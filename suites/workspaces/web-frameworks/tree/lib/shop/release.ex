defmodule Shop.Release do
  @moduledoc "Tasks run from the release binary, where Mix is not available."
  @app :shop

  def migrate do
    Application.load(@app)

    for repo <- Application.fetch_env!(@app, :ecto_repos) do
      IO.puts("Migrating #{inspect(repo)}")
      {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :up, all: true))
    end
  end
end
