@extends('layouts.app')

@section('title', 'Welcome')

@section('content')
    <h1>Acme Projects</h1>
    <p><a href="{{ route('projects.index') }}">Go to your projects</a></p>
@endsection
