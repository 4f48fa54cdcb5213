package com.acme.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

public record Order(String id, String customerId, BigDecimal total, OrderStatus status, Instant createdAt) {

    public static Order of(String customerId, BigDecimal total) {
        return new Order(UUID.randomUUID().toString(), customerId, total, OrderStatus.NEW, Instant.now());
    }

    public Order withTotal(BigDecimal newTotal) {
        return new Order(id, customerId, newTotal, status, createdAt);
    }

    public Order withStatus(OrderStatus newStatus) {
        return new Order(id, customerId, total, newStatus, createdAt);
    }
}
