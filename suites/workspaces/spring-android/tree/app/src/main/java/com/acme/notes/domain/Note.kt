package com.acme.notes.domain

import java.time.Instant

data class Note(
    val id: Long,
    val title: String,
    val body: String,
    val pinned: Boolean = false,
    val updatedAt: Instant = Instant.now(),
)
