package com.acme.orders;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrderControllerIT {

    @Autowired
    TestRestTemplate http;

    @Test
    void unknownOrderIs404() {
        assertThat(http.getForEntity("/api/orders/nope", String.class).getStatusCode().value()).isEqualTo(404);
    }
}
