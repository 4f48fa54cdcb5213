package com.acme.notes

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import com.acme.notes.common.shortLabel
import com.acme.notes.data.NoteRepository
import com.acme.notes.domain.Note
import com.acme.notes.sync.SyncClient
import com.acme.notes.ui.NoteCardStyle
import dagger.hilt.android.lifecycle.HiltViewModel
import javax.inject.Inject
import javax.inject.Named
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.time.Instant

data class NoteItem(val id: Long, val title: String, val preview: String, val pinned: Boolean, val edited: String)

data class NotesUiState(
    val items: List<NoteItem> = emptyList(),
    val query: String = "",
    val loading: Boolean = true,
    val syncing: Boolean = false,
    val style: NoteCardStyle = NoteCardStyle(),
)

sealed interface NotesEvent {
    data class ShowUndo(val noteId: Long, val title: String) : NotesEvent
    data class Error(val message: String) : NotesEvent
    data object Synced : NotesEvent
}

@HiltViewModel
class NotesViewModel @Inject constructor(
    private val repository: NoteRepository,
    private val syncClient: SyncClient,
    private val savedState: SavedStateHandle,
    @Named("io") private val io: CoroutineDispatcher,
) : ViewModel() {

    private val query = MutableStateFlow(savedState.get<String>(KEY_QUERY) ?: "")
    private val syncing = MutableStateFlow(false)
    private val _events = MutableSharedFlow<NotesEvent>(extraBufferCapacity = 8)
    val events: SharedFlow<NotesEvent> = _events.asSharedFlow()
    private var searchJob: Job? = null

    val uiState: StateFlow<NotesUiState> =
        combine(repository.observeNotes(), query, syncing) { notes, q, isSyncing ->
            NotesUiState(
                items = notes.filter { it.matches(q) }.map { it.toItem() },
                query = q,
                loading = false,
                syncing = isSyncing,
            )
        }.stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), NotesUiState())

    fun onQueryChanged(text: String) {
        searchJob?.cancel()
        searchJob = viewModelScope.launch {
            delay(SEARCH_DEBOUNCE_MS)
            query.value = text
            savedState[KEY_QUERY] = text
        }
    }

    fun onTogglePin(note: Note) {
        viewModelScope.launch {
            repository.save(note.copy(pinned = !note.pinned, updatedAt = Instant.now()))
        }
    }

    fun onDelete(note: Note) {
        viewModelScope.launch {
            repository.delete(note.id)
            _events.emit(NotesEvent.ShowUndo(note.id, note.title))
        }
    }

    fun onUndoDelete(note: Note) {
        viewModelScope.launch { repository.save(note) }
    }

    fun onSave(id: Long, title: String, body: String) {
        if (title.isBlank() && body.isBlank()) return
        viewModelScope.launch {
            repository.save(Note(id = id, title = title.trim(), body = body, updatedAt = Instant.now()))
        }
    }

    fun onSync() {
        if (syncing.value) return
        viewModelScope.launch {
            syncing.update { true }
            try {
                val payload = uiState.value.items.joinToString(prefix = "[", postfix = "]") { "{\"id\":${it.id}}" }
                val ok = withContext(io) { syncClient.push(payload) }
                _events.emit(if (ok) NotesEvent.Synced else NotesEvent.Error("Sync failed"))
            } catch (e: Exception) {
                _events.emit(NotesEvent.Error(e.message ?: "Sync failed"))
            } finally {
                syncing.update { false }
            }
        }
    }

    private fun Note.matches(q: String): Boolean =
        q.isBlank() || title.contains(q, ignoreCase = true) || body.contains(q, ignoreCase = true)

    private fun Note.toItem() = NoteItem(
        id = id,
        title = title.ifBlank { "Untitled" },
        preview = body.lineSequence().take(PREVIEW_LINES).joinToString("\n"),
        pinned = pinned,
        edited = updatedAt.shortLabel(),
    )

    companion object {
        private const val KEY_QUERY = "notes.query"
        private const val SEARCH_DEBOUNCE_MS = 250L
        private const val PREVIEW_LINES = 4
    }
}
