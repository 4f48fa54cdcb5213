class CreateSubscriptions < ActiveRecord::Migration[7.1]
  def change
    create_table :subscriptions do |t|
      t.references :customer, null: false, foreign_key: true
      t.references :plan, null: false, foreign_key: true
      t.string :status, null: false
      t.datetime :current_period_start, null: false
      t.datetime :current_period_end, null: false
      t.integer :renewal_attempts, null: false, default: 0
      t.string :last_renewal_error
      t.timestamps
    end
    add_index :subscriptions, %i[status current_period_end]
  end
end
