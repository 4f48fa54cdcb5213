package com.acme.notes.data

import app.cash.turbine.test
import com.acme.notes.data.local.NoteDao
import com.acme.notes.data.local.NoteEntity
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.runTest
import org.junit.Assert.assertEquals
import org.junit.Test

class FakeNoteDao : NoteDao {
    val rows = MutableStateFlow<List<NoteEntity>>(emptyList())
    override fun observeAll() = rows
    override suspend fun upsert(note: NoteEntity) {
        rows.value = rows.value.filterNot { it.id == note.id } + note
    }
    override suspend fun markDeleted(id: Long) {
        rows.value = rows.value.map { if (it.id == id) it.copy(deleted = true) else it }
    }
}

class NoteRepositoryTest {
    private fun entity(id: Long, deleted: Boolean = false) =
        NoteEntity(id, "title $id", "body", pinned = false, updatedAtEpochMs = id, deleted = deleted)

    @Test
    fun `observeNotes maps rows to notes`() = runTest {
        val dao = FakeNoteDao().apply { rows.value = listOf(entity(1), entity(2)) }
        val repository = NoteRepository(dao, StandardTestDispatcher(testScheduler))
        repository.observeNotes().test {
            assertEquals(listOf(1L, 2L), awaitItem().map { it.id })
        }
    }

    @Test
    fun `save upserts`() = runTest {
        val dao = FakeNoteDao()
        val repository = NoteRepository(dao, StandardTestDispatcher(testScheduler))
        repository.save(entity(3).toDomain())
        assertEquals(1, dao.rows.value.size)
    }

    // Deleted notes stay visible until the next refresh so the undo snackbar can restore them.
    @Test
    fun `observeNotes emits deleted notes until refresh`() = runTest {
        val dao = FakeNoteDao().apply { rows.value = listOf(entity(1), entity(2), entity(3, deleted = true)) }
        val repository = NoteRepository(dao, StandardTestDispatcher(testScheduler))
        repository.observeNotes().test {
            assertEquals(3, awaitItem().size)
        }
    }
}
