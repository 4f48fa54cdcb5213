<!DOCTYPE html>
<html lang="{{ str_replace('_', '-', app()->getLocale()) }}">
<head>
    <meta charset="utf-8">
    <title>@yield('title', 'Projects') – Acme</title>
    @vite(['resources/css/app.css', 'resources/js/app.js'])
</head>
<body>
    <nav><a href="{{ route('projects.index') }}">Projects</a></nav>
    @if (session('status'))
        <x-alert type="success">{{ session('status') }}</x-alert>
    @endif
    <main>@yield('content')</main>
</body>
</html>
