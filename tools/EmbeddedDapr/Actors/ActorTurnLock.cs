namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>
/// Turn-based concurrency for one actor instance, as daprd provides it (the .NET actor runtime does not lock):
/// method calls, timer and reminder fires queue FIFO behind one lock. With reentrancy enabled for the actor
/// type, a call carrying the reentrancy id of a queued or running call chain ("flight") joins that chain
/// instead of queueing behind it, up to <c>maxStackDepth</c> nested calls.
/// </summary>
public sealed class ActorTurnLock(bool reentrancyEnabled, int maxStackDepth)
{
    private readonly Lock gate = new();
    private readonly LinkedList<Flight> flights = new();
    private bool closed;

    public bool ReentrancyEnabled => reentrancyEnabled;

    /// <summary>Number of call chains running or waiting (the running one included).</summary>
    public int PendingFlights
    {
        get
        {
            lock (gate)
            {
                return flights.Count;
            }
        }
    }

    /// <summary>
    /// Waits for this caller's turn. <paramref name="reentrancyId"/> is honoured only when reentrancy is enabled.
    /// </summary>
    /// <exception cref="ActorStackDepthExceededException">The call chain is deeper than <c>maxStackDepth</c>.</exception>
    /// <exception cref="ActorDeactivatedException">The actor was deactivated while the caller waited.</exception>
    public async ValueTask<Turn> EnterAsync(string? reentrancyId, CancellationToken cancellationToken)
    {
        Flight flight;
        lock (gate)
        {
            if (closed)
            {
                throw new ActorDeactivatedException();
            }

            Flight? joined = null;
            if (reentrancyEnabled && reentrancyId is not null)
            {
                foreach (var candidate in flights)
                {
                    if (candidate.Id == reentrancyId)
                    {
                        joined = candidate;
                        break;
                    }
                }
            }

            if (joined is not null)
            {
                if (joined.Depth + 1 > maxStackDepth)
                {
                    throw new ActorStackDepthExceededException();
                }

                joined.Depth++;
                flight = joined;
            }
            else
            {
                flight = new Flight(reentrancyId);
                flights.AddLast(flight);
                if (flights.Count == 1)
                {
                    flight.Started.TrySetResult();
                }
            }
        }

        try
        {
            await flight.Started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(flight);
            throw;
        }

        return new Turn(this, flight);
    }

    /// <summary>
    /// Marks the actor deactivated: every caller still queued fails with <see cref="ActorDeactivatedException"/>
    /// (callers then look the actor up again and activate a fresh instance). Call while holding a turn.
    /// </summary>
    public void Close()
    {
        List<Flight> waiting;
        lock (gate)
        {
            closed = true;
            waiting = flights.Skip(1).ToList();
        }

        foreach (var flight in waiting)
        {
            flight.Started.TrySetException(new ActorDeactivatedException());
        }
    }

    private void Release(Flight flight)
    {
        Flight? next = null;
        lock (gate)
        {
            flight.Depth--;
            if (flight.Depth > 0)
            {
                return;
            }

            var wasRunning = flights.First?.Value == flight;
            flights.Remove(flight);
            if (wasRunning && flights.First is { } first)
            {
                next = first.Value;
            }
        }

        next?.Started.TrySetResult();
    }

    private sealed class Flight(string? id)
    {
        public string? Id { get; } = id;

        public int Depth { get; set; } = 1;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Held for the duration of one call; disposing it lets the next caller in.</summary>
    public readonly struct Turn : IDisposable
    {
        private readonly ActorTurnLock owner;
        private readonly object flight;

        internal Turn(ActorTurnLock owner, object flight)
        {
            this.owner = owner;
            this.flight = flight;
        }

        public void Dispose() => owner?.Release((Flight)flight);
    }
}

/// <summary>daprd's <c>ERR_ACTOR_STACK_DEPTH</c>.</summary>
public sealed class ActorStackDepthExceededException() : Exception("maximum stack depth exceeded");

/// <summary>The actor instance was deactivated; the caller should resolve and activate it again.</summary>
public sealed class ActorDeactivatedException() : Exception("actor was deactivated");
