package com.acme

import com.acme.Pricing.*

class PricingSpec extends munit.FunSuite:

  test("volume discount tiers") {
    assertEquals(volumePercent(9), BigDecimal(0))
    assertEquals(volumePercent(10), BigDecimal(5))
    assertEquals(volumePercent(100), BigDecimal(15))
  }

  test("discount is capped") {
    val item = LineItem("MUG", BigDecimal(10), 100)
    assertEquals(linePercent(item, CustomerTier.Partner, BigDecimal(25)), MaxDiscountPercent)
  }

  test("free shipping from 50") {
    assertEquals(shipping(BigDecimal(50)), BigDecimal(0))
  }
