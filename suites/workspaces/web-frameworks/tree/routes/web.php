<?php

use App\Http\Controllers\ProjectPageController;
use Illuminate\Support\Facades\Route;

Route::view('/', 'welcome');

Route::middleware('auth')->group(function () {
    Route::get('/projects', [ProjectPageController::class, 'index'])->name('projects.index');
    Route::get('/projects/{project}', [ProjectPageController::class, 'show'])->name('projects.show');
});
