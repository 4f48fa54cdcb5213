<p>Hi,</p>
<p>{{ $inviter->name }} invited you to the project <strong>{{ $project->name }}</strong>.</p>
<p><a href="{{ $acceptUrl }}">Accept the invitation</a> (the link is valid for 7 days).</p>
