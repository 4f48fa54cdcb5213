@extends('layouts.app')

@section('title', $project->name)

@section('content')
    <h1>{{ $project->name }}</h1>
    <p>{{ $project->description }}</p>
    <h2>Members</h2>
    <ul>
        @foreach ($project->members as $member)
            <li>{{ $member->name }} ({{ $member->pivot->role }})</li>
        @endforeach
    </ul>
@endsection
