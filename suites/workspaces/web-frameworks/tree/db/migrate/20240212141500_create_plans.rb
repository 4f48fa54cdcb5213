class CreatePlans < ActiveRecord::Migration[7.1]
  def change
    create_table :plans do |t|
      t.string :name, null: false
      t.string :interval, null: false
      t.integer :price_cents, null: false
      t.timestamps
    end
  end
end
