package com.acme.notes.data.local

import androidx.room.Entity
import androidx.room.PrimaryKey
import com.acme.notes.domain.Note
import java.time.Instant

@Entity(tableName = "notes")
data class NoteEntity(
    @PrimaryKey(autoGenerate = true) val id: Long = 0,
    val title: String,
    val body: String,
    val pinned: Boolean,
    val updatedAtEpochMs: Long,
    val deleted: Boolean = false,
) {
    fun toDomain() = Note(id, title, body, pinned, Instant.ofEpochMilli(updatedAtEpochMs))

    companion object {
        fun from(note: Note) = NoteEntity(note.id, note.title, note.body, note.pinned, note.updatedAt.toEpochMilli())
    }
}
