package com.acme.notes.sync

import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

class SyncClient(private val baseUrl: String, private val http: OkHttpClient = OkHttpClient()) {

    fun push(json: String): Boolean {
        val request = Request.Builder()
            .url("$baseUrl/v1/notes/sync")
            .post(json.toRequestBody("application/json".toMediaType()))
            .build()
        http.newCall(request).execute().use { return it.isSuccessful }
    }
}
