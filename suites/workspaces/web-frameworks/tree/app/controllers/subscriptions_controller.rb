class SubscriptionsController < ApplicationController
  before_action :set_subscription, only: %i[show cancel resume]

  def index
    @subscriptions = Subscription.joins(:customer).where(customers: { account_id: current_account.id }).includes(:plan)
  end

  def show; end

  def cancel
    @subscription.cancel!(at_period_end: params[:immediately] != "1")
    redirect_to @subscription, notice: "Subscription canceled."
  end

  def resume
    @subscription.resume!
    redirect_to @subscription, notice: "Subscription resumed."
  rescue ArgumentError => e
    redirect_to @subscription, alert: e.message
  end

  private

  def set_subscription
    @subscription = Subscription.joins(:customer).where(customers: { account_id: current_account.id }).find(params[:id])
  end
end
