package com.acme.notes.ui

data class NoteCardStyle(
    val cornerRadiusDp: Int = 12,
    val elevationDp: Int = 2,
    val maxPreviewLines: Int = 4,
)
