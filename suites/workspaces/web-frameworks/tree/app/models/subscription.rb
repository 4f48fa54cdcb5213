# A customer's subscription to a plan.
#
# Lifecycle: trialing -> active -> (past_due ->) canceled. A canceled subscription keeps
# running until the end of the paid period (`current_period_end`) unless it was canceled
# immediately. Renewals are triggered by RenewSubscriptionsJob every hour.
class Subscription < ApplicationRecord
  GRACE_PERIOD = 3.days
  MAX_RENEWAL_ATTEMPTS = 4

  belongs_to :customer
  belongs_to :plan

  enum :status, {
    trialing: "trialing",
    active: "active",
    past_due: "past_due",
    canceled: "canceled"
  }

  validates :current_period_start, :current_period_end, presence: true
  validate :period_is_ordered

  scope :due_for_renewal, -> { where(status: %w[active past_due]).where("current_period_end <= ?", Time.current) }
  scope :in_trial, -> { where(status: "trialing") }

  def self.start!(customer:, plan:, trial_days: 14)
    now = Time.current
    create!(
      customer: customer,
      plan: plan,
      status: trial_days.positive? ? "trialing" : "active",
      current_period_start: now,
      current_period_end: now + (trial_days.positive? ? trial_days.days : plan_length(plan)),
      renewal_attempts: 0
    )
  end

  def self.plan_length(plan)
    plan.interval == "year" ? 1.year : 1.month
  end

  def in_grace_period?
    past_due? && current_period_end + GRACE_PERIOD > Time.current
  end

  # Charges the next period. On success the period moves forward by one interval; on failure
  # the subscription goes past_due and is canceled after MAX_RENEWAL_ATTEMPTS failed tries.
  def renew!
    return if canceled? && cancel_at_period_end == false

    if canceled?
      update!(status: "canceled", ended_at: current_period_end)
      return
    end

    charge = Billing::Charge.call(customer: customer, amount_cents: plan.price_cents, idempotency_key: renewal_key)
    if charge.succeeded?
      update!(
        status: "active",
        current_period_start: current_period_end,
        current_period_end: current_period_end + self.class.plan_length(plan),
        renewal_attempts: 0
      )
    else
      attempts = renewal_attempts + 1
      new_status = attempts >= MAX_RENEWAL_ATTEMPTS ? "canceled" : "past_due"
      update!(status: new_status, renewal_attempts: attempts, last_renewal_error: charge.error_message)
    end
  end

  def cancel!(at_period_end: true)
    update!(status: "canceled", cancel_at_period_end: at_period_end, canceled_at: Time.current,
            ended_at: at_period_end ? nil : Time.current)
  end

  def resume!
    raise ArgumentError, "only a subscription canceled at period end can resume" unless canceled? && cancel_at_period_end

    update!(status: "active", cancel_at_period_end: false, canceled_at: nil)
  end

  private

  def renewal_key
    "sub-#{id}-#{current_period_end.to_i}-#{renewal_attempts}"
  end

  def period_is_ordered
    return if current_period_start.blank? || current_period_end.blank?

    errors.add(:current_period_end, "must be after the period start") if current_period_end <= current_period_start
  end
end
