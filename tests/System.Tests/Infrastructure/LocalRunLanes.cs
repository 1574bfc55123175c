namespace Flipkart.SystemTests.Infrastructure;

/// <summary>
/// Every class that starts real processes runs in one of two lanes, each lane's classes one after another: the
/// scenarios on the three component profiles in one, the starts, restarts and shutdowns in the other. Two local runs
/// at a time keep two cores busy where one mostly waited on the saga; the runs share nothing (own ports, own
/// embedded cluster; builds are serialised by DevHost's build lock).
/// </summary>
public static class LocalRunLanes
{
    public const string Profiles = "Local run: the scenarios on each profile";
    public const string Lifecycle = "Local run: starts, restarts and shutdowns";
}

[CollectionDefinition(LocalRunLanes.Profiles)]
public sealed class ProfilesLane;

[CollectionDefinition(LocalRunLanes.Lifecycle)]
public sealed class LifecycleLane;
