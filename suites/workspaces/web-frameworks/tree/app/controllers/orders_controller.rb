class OrdersController < ApplicationController
  before_action :authenticate_user!
  before_action :set_order, only: %i[show update]

  def index
    @orders = current_account.orders
                             .order(created_at: :desc)
                             .page(params[:page])
                             .per(50)
  end

  def show; end

  def update
    if @order.update(order_params)
      redirect_to @order, notice: "Order updated."
    else
      render :show, status: :unprocessable_entity
    end
  end

  private

  def set_order
    @order = current_account.orders.find(params[:id])
  end

  def order_params
    params.require(:order).permit(:status, :notes)
  end
end
