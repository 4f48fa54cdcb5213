class Plan < ApplicationRecord
  has_many :subscriptions, dependent: :restrict_with_error

  validates :name, :interval, presence: true
  validates :price_cents, numericality: { greater_than: 0 }
  validates :interval, inclusion: { in: %w[month year] }
end
