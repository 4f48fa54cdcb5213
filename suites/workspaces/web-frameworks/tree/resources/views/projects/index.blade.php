@extends('layouts.app')

@section('content')
    <h1>Projects</h1>
    <ul>
        @forelse ($projects as $project)
            <li>
                <a href="{{ route('projects.show', $project) }}">{{ $project->name }}</a>
                @if ($project->archived_at)
                    <span class="badge">archived</span>
                @endif
            </li>
        @empty
            <li>No projects yet.</li>
        @endforelse
    </ul>
    {{ $projects->links() }}
@endsection
