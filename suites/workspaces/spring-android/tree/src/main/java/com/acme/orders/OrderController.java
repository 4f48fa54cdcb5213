package com.acme.orders;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/orders")
public class OrderController {

    record PlaceOrder(String customerId, BigDecimal total) {}

    private final OrderService service;

    public OrderController(OrderService service) {
        this.service = service;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public Order place(@RequestBody PlaceOrder request) {
        return service.place(request.customerId(), request.total());
    }

    @GetMapping("/{id}")
    public Order get(@PathVariable String id) {
        return service.get(id);
    }

    @GetMapping
    public List<Order> forCustomer(@RequestParam String customerId) {
        return service.forCustomer(customerId);
    }

    // Old mobile clients call this instead of GET /api/orders?customerId=...
    @Deprecated
    @GetMapping("/by-customer/{customerId}")
    public List<Order> byCustomer(@PathVariable String customerId) {
        return service.forCustomer(customerId);
    }

    @PostMapping("/{id}/cancel")
    public Order cancel(@PathVariable String id) {
        return service.cancel(id);
    }
}
