class Order < ApplicationRecord
  belongs_to :account
  belongs_to :customer

  enum :status, { pending: "pending", paid: "paid", shipped: "shipped", cancelled: "cancelled" }

  validates :total_cents, numericality: { greater_than_or_equal_to: 0 }

  def total
    Money.new(total_cents, currency)
  end
end
