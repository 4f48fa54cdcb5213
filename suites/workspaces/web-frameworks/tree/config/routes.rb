Rails.application.routes.draw do
  devise_for :users

  resources :orders, only: %i[index show update]
  resources :subscriptions, only: %i[index show] do
    member do
      post :cancel
      post :resume
    end
  end

  get "up" => "rails/health#show", as: :rails_health_check
  root "orders#index"
end
