require "rails_helper"

RSpec.describe "Orders", type: :request do
  let(:user) { create(:user) }
  let(:customer) { create(:customer, account: user.account) }

  before { sign_in user }

  it "lists the account's orders, newest first" do
    old = create(:order, account: user.account, customer: customer, created_at: 2.days.ago)
    new = create(:order, account: user.account, customer: customer)
    get orders_path
    expect(response).to have_http_status(:ok)
    expect(response.body.index(new.id.to_s)).to be < response.body.index(old.id.to_s)
  end

  it "does not show other accounts' orders" do
    other = create(:order)
    get orders_path
    expect(response.body).not_to include(other.customer.email)
  end

  it "updates the status" do
    order = create(:order, account: user.account, customer: customer)
    patch order_path(order), params: { order: { status: "shipped" } }
    expect(order.reload).to be_shipped
  end
end
