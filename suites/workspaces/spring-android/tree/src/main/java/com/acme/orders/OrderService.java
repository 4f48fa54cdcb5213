package com.acme.orders;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.NoSuchElementException;

import org.springframework.stereotype.Service;

@Service
public class OrderService {

    private static final int MAX_LOYALTY_PERCENT = 20;

    private final OrderRepository repository;

    public OrderService(OrderRepository repository) {
        this.repository = repository;
    }

    public Order place(String customerId, BigDecimal total) {
        if (total.signum() <= 0) {
            throw new IllegalArgumentException("total must be positive");
        }
        return repository.save(Order.of(customerId, total.setScale(2, RoundingMode.HALF_UP)));
    }

    public Order get(String id) {
        return repository.findById(id).orElseThrow(() -> new NoSuchElementException("order " + id));
    }

    public List<Order> forCustomer(String customerId) {
        return repository.findByCustomerId(customerId);
    }

    public Order cancel(String id) {
        Order order = get(id);
        if (order.status() == OrderStatus.SHIPPED) {
            throw new IllegalStateException("order " + id + " has already shipped");
        }
        return repository.save(order.withStatus(OrderStatus.CANCELLED));
    }

    public Order applyLoyaltyDiscount(Order order, int percent) {
        if (percent < 0 || percent > MAX_LOYALTY_PERCENT) {
            throw new IllegalArgumentException("loyalty discount out of range: " + percent);
        }
        double factor = 1 - percent / 100.0;
        BigDecimal discounted = BigDecimal.valueOf(order.total().doubleValue() * factor);
        return order.withTotal(discounted);
    }

    /** Kept for the v1 checkout; use {@link #applyLoyaltyDiscount(Order, int)}. */
    @Deprecated(since = "2.1", forRemoval = true)
    public Order applyDiscount(Order order, double percent) {
        return applyLoyaltyDiscount(order, (int) Math.round(percent));
    }
}
