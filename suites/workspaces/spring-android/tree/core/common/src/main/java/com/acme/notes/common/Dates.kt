package com.acme.notes.common

import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter

private val SHORT = DateTimeFormatter.ofPattern("d MMM, HH:mm")

fun Instant.shortLabel(zone: ZoneId = ZoneId.systemDefault()): String = SHORT.format(atZone(zone))
