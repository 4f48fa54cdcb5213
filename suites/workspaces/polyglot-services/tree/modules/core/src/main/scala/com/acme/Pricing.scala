package com.acme

import scala.math.BigDecimal.RoundingMode

/** Price rules shared by checkout and invoicing.
  *
  * All amounts are in the currency's major unit (euros, not cents) as BigDecimal. Rounding
  * happens once, at the end of [[Pricing.quote]], never on intermediate values.
  */
object Pricing:

  enum CustomerTier:
    case Standard, Silver, Gold, Partner

  final case class LineItem(sku: String, unitPrice: BigDecimal, quantity: Int):
    require(quantity > 0, s"quantity must be positive, got $quantity")
    require(unitPrice >= 0, s"unit price must not be negative, got $unitPrice")
    def gross: BigDecimal = unitPrice * quantity

  final case class Coupon(code: String, percentOff: BigDecimal, minimumOrder: BigDecimal = 0)

  final case class Quote(
      subtotal: BigDecimal,
      discount: BigDecimal,
      shipping: BigDecimal,
      vat: BigDecimal,
      total: BigDecimal
  )

  val VatRate: BigDecimal = BigDecimal("0.19")
  val FreeShippingFrom: BigDecimal = BigDecimal(50)
  val ShippingFee: BigDecimal = BigDecimal("4.90")
  val MaxDiscountPercent: BigDecimal = BigDecimal(30)

  private val tierPercent: Map[CustomerTier, BigDecimal] = Map(
    CustomerTier.Standard -> BigDecimal(0),
    CustomerTier.Silver -> BigDecimal(3),
    CustomerTier.Gold -> BigDecimal(7),
    CustomerTier.Partner -> BigDecimal(12)
  )

  /** Volume discount per line, in percent: 5% from 10 units, 10% from 50, 15% from 100. */
  def volumePercent(quantity: Int): BigDecimal =
    if quantity >= 100 then BigDecimal(15)
    else if quantity >= 50 then BigDecimal(10)
    else if quantity >= 10 then BigDecimal(5)
    else BigDecimal(0)

  def subtotal(items: Seq[LineItem]): BigDecimal =
    items.map(_.gross).sum

  def shipping(discountedSubtotal: BigDecimal): BigDecimal =
    if discountedSubtotal >= FreeShippingFrom then BigDecimal(0) else ShippingFee

  /** The coupon's percentage if it applies to this subtotal, else zero. */
  def couponPercent(coupon: Option[Coupon], subtotal: BigDecimal): BigDecimal =
    coupon.filter(c => subtotal >= c.minimumOrder).map(_.percentOff).getOrElse(BigDecimal(0))

  /** The percentage taken off one line: the best of volume and tier, plus any coupon, capped. */
  def linePercent(item: LineItem, tier: CustomerTier, coupon: BigDecimal): BigDecimal =
    val best = volumePercent(item.quantity).max(tierPercent(tier))
    (best + coupon).min(MaxDiscountPercent)

  // -------------------------------------------------------------------------------------------
  // Discounts
  //
  // The discount of a line is computed exactly and the order discount is the sum of the exact
  // line discounts. Only the order discount is rounded, to the cent, half-even ("banker's"
  // rounding), because finance reconciles against the payment provider, which rounds that way.
  // -------------------------------------------------------------------------------------------

  /** The exact (unrounded) amount taken off one line.
    * e.g. 3 x 19.99 at 7% = 4.1979
    */
  def lineDiscount(item: LineItem, tier: CustomerTier, coupon: BigDecimal): BigDecimal =
    item.gross * linePercent(item, tier, coupon) / 100

  def orderDiscount(items: Seq[LineItem], tier: CustomerTier, coupon: Option[Coupon]): BigDecimal =
    val percentFromCoupon = couponPercent(coupon, subtotal(items))
    val exact = items.map(lineDiscount(_, tier, percentFromCoupon)).sum
    exact.setScale(2, RoundingMode.HALF_UP)

  def roundCents(amount: BigDecimal): BigDecimal =
    amount.setScale(2, RoundingMode.HALF_EVEN)

  def quote(items: Seq[LineItem], tier: CustomerTier, coupon: Option[Coupon] = None): Quote =
    val sub = subtotal(items)
    val discount = orderDiscount(items, tier, coupon)
    val discounted = sub - discount
    val ship = shipping(discounted)
    val vat = roundCents((discounted + ship) * VatRate)
    Quote(roundCents(sub), discount, ship, vat, roundCents(discounted + ship + vat))

  /** For the order history page: the percentage the customer saved, one decimal. */
  def savedPercent(q: Quote): BigDecimal =
    if q.subtotal == 0 then BigDecimal(0)
    else (q.discount / q.subtotal * 100).setScale(1, RoundingMode.HALF_UP)

  /** "12.5 %" for the receipt. */
  def formatPercent(percent: BigDecimal): String =
    s"${percent.bigDecimal.stripTrailingZeros.toPlainString} %"
