class CreateOrders < ActiveRecord::Migration[7.1]
  def change
    create_table :orders do |t|
      t.references :account, null: false, foreign_key: true
      t.references :customer, null: false, foreign_key: true
      t.string :status, null: false, default: "pending"
      t.integer :total_cents, null: false, default: 0
      t.string :currency, null: false, default: "EUR"
      t.text :notes
      t.timestamps
    end
    add_index :orders, %i[account_id created_at]
  end
end
