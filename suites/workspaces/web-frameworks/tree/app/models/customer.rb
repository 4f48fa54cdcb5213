class Customer < ApplicationRecord
  belongs_to :account
  has_many :orders, dependent: :restrict_with_error
  has_many :subscriptions, dependent: :destroy

  validates :name, presence: true
  validates :email, presence: true, format: { with: URI::MailTo::EMAIL_REGEXP }
end
