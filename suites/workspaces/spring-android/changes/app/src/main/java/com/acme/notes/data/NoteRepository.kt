package com.acme.notes.data

import com.acme.notes.data.local.NoteDao
import com.acme.notes.data.local.NoteEntity
import com.acme.notes.domain.Note
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.withContext

class NoteRepository(
    private val dao: NoteDao,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    suspend fun save(note: Note) = withContext(io) {
        dao.upsert(NoteEntity.from(note))
    }

    fun observeNotes(): Flow<List<Note>> =
        dao.observeAll()
            .map { rows -> rows.filterNot { it.deleted }.map { it.toDomain() } }
            .distinctUntilChanged()

    suspend fun delete(id: Long) = withContext(io) { dao.markDeleted(id) }
}
