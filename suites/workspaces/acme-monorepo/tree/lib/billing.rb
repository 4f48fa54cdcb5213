module Billing
  TAX_RATES = { "DE" => 0.19, "FR" => 0.20, "US" => 0.0 }.freeze

  def self.calc_tax(amount, country)
    (amount * TAX_RATES.fetch(country, 0.0)).round(2)
  end

  def self.total(amount, country)
    amount + calc_tax(amount, country)
  end

  def self.breakdown(amount, country)
    { net: amount, tax: calc_tax(amount, country), gross: total(amount, country) }
  end
end
