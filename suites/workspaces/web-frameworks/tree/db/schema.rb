ActiveRecord::Schema[7.1].define(version: 2024_04_18_080000) do
  enable_extension "plpgsql"

  create_table "customers", force: :cascade do |t|
    t.bigint "account_id", null: false
    t.string "name", null: false
    t.string "email", null: false
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["account_id", "email"], unique: true
  end

  create_table "orders", force: :cascade do |t|
    t.bigint "account_id", null: false
    t.bigint "customer_id", null: false
    t.string "status", default: "pending", null: false
    t.integer "total_cents", default: 0, null: false
    t.string "currency", default: "EUR", null: false
    t.text "notes"
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["account_id", "created_at"]
  end

  create_table "plans", force: :cascade do |t|
    t.string "name", null: false
    t.string "interval", null: false
    t.integer "price_cents", null: false
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
  end

  create_table "subscriptions", force: :cascade do |t|
    t.bigint "customer_id", null: false
    t.bigint "plan_id", null: false
    t.string "status", null: false
    t.datetime "current_period_start", null: false
    t.datetime "current_period_end", null: false
    t.integer "renewal_attempts", default: 0, null: false
    t.string "last_renewal_error"
    t.boolean "cancel_at_period_end", default: true, null: false
    t.datetime "canceled_at"
    t.datetime "ended_at"
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["status", "current_period_end"]
  end
end
