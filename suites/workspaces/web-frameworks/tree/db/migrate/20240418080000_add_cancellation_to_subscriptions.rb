class AddCancellationToSubscriptions < ActiveRecord::Migration[7.1]
  def change
    add_column :subscriptions, :cancel_at_period_end, :boolean, null: false, default: true
    add_column :subscriptions, :canceled_at, :datetime
    add_column :subscriptions, :ended_at, :datetime
  end
end
