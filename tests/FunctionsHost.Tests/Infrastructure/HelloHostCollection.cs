namespace FunctionsHost.Tests.Infrastructure;

/// <summary>The test classes that share one hello host (and its Azurite).</summary>
[CollectionDefinition(Name)]
public sealed class HelloHostCollection : ICollectionFixture<HelloHostFixture>
{
    public const string Name = "hello host";
}
