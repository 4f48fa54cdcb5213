package com.acme.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class OrderServiceTest {

    private final OrderService service = new OrderService(new InMemoryOrderRepository());

    @Test
    void placesAnOrderWithTwoDecimals() {
        Order order = service.place("cust-1", new BigDecimal("19.999"));
        assertThat(order.total()).isEqualByComparingTo("20.00");
        assertThat(order.total().scale()).isEqualTo(2);
    }

    @Test
    void rejectsNonPositiveTotals() {
        assertThatThrownBy(() -> service.place("cust-1", BigDecimal.ZERO))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void findsPlacedOrders() {
        Order order = service.place("cust-2", new BigDecimal("5.00"));
        assertThat(service.get(order.id())).isEqualTo(order);
    }

    @Test
    void unknownOrderIsAnError() {
        assertThatThrownBy(() -> service.get("nope")).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void listsOrdersPerCustomer() {
        service.place("cust-3", new BigDecimal("1.00"));
        service.place("cust-3", new BigDecimal("2.00"));
        service.place("cust-4", new BigDecimal("3.00"));
        assertThat(service.forCustomer("cust-3")).hasSize(2);
    }

    @Test
    void cancelsAnOpenOrder() {
        Order order = service.place("cust-5", new BigDecimal("10.00"));
        assertThat(service.cancel(order.id()).status()).isEqualTo(OrderStatus.CANCELLED);
    }

    @Test
    void cannotCancelAShippedOrder() {
        InMemoryOrderRepository repository = new InMemoryOrderRepository();
        OrderService withShipped = new OrderService(repository);
        Order shipped = repository.save(Order.of("cust-6", new BigDecimal("10.00")).withStatus(OrderStatus.SHIPPED));
        assertThatThrownBy(() -> withShipped.cancel(shipped.id())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsLoyaltyDiscountAboveTheCap() {
        Order order = Order.of("cust-7", new BigDecimal("100.00"));
        assertThatThrownBy(() -> service.applyLoyaltyDiscount(order, 25))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldApplyLoyaltyDiscount() {
        Order order = Order.of("cust-7", new BigDecimal("100.00"));
        Order discounted = service.applyLoyaltyDiscount(order, 10);
        assertEquals(new BigDecimal("90.00"), discounted.total());
    }
}
