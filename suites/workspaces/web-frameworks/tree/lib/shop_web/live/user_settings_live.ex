defmodule ShopWeb.UserSettingsLive do
  use ShopWeb, :live_view

  alias Shop.Accounts

  @impl true
  def mount(_params, _session, socket) do
    user = socket.assigns.current_user
    {:ok, assign(socket, form: to_form(Accounts.change_user_email(user)))}
  end

  @impl true
  def handle_event("update_email", %{"user" => params}, socket) do
    case Accounts.update_user_email(socket.assigns.current_user, params) do
      {:ok, _user} -> {:noreply, put_flash(socket, :info, "Email updated.")}
      {:error, changeset} -> {:noreply, assign(socket, form: to_form(changeset))}
    end
  end
end
