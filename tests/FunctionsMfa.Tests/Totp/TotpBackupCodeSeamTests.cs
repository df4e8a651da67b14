using System.Net;
using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsMfa.Tests.Totp;

/// <summary>
/// The seam to the backup-code feature (another branch): when an <see cref="IBackupCodeIssuer"/> is registered, the
/// verification response carries what it issued, once. The stand-in issuer below exists only because the real one is
/// not on this branch; it checks the call, not code generation.
/// </summary>
public sealed class TotpBackupCodeSeamTests(TotpBackupCodeSeamTests.WithIssuer app) : IClassFixture<TotpBackupCodeSeamTests.WithIssuer>
{
    [Fact]
    public async Task Verification_returns_the_backup_codes_the_issuer_created_for_the_user()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, created) = await client.CreateTotpAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, created.GetProperty("backup_codes").ValueKind);

        var response = await client.VerifyTotpAsync(app.CodeAt(secret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var codes = (await response.JsonAsync()).GetProperty("backup_codes").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(["code-1-" + userId, "code-2-" + userId], codes);
        Assert.Equal([userId], app.Issuer.Calls);
    }

    [Fact]
    public async Task A_failed_verification_issues_nothing()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, _) = await client.CreateTotpAsync();
        await (await client.VerifyTotpAsync(app.CodeAt(secret, 3))).ErrorAsync(422, "form_code_incorrect");
        Assert.DoesNotContain(userId, app.Issuer.Calls);
    }

    public sealed class WithIssuer : MfaAppFactory
    {
        public RecordingIssuer Issuer { get; } = new();

        protected override void ConfigureTestServices(IServiceCollection services)
        {
            services.RemoveAll<IBackupCodeIssuer>();
            services.AddSingleton<IBackupCodeIssuer>(Issuer);
        }
    }

    public sealed class RecordingIssuer : IBackupCodeIssuer
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> calls = new();

        public IReadOnlyList<string> Calls => [.. calls];

        public Task<IReadOnlyList<string>?> IssueIfNoneAsync(string userId, CancellationToken cancellationToken)
        {
            calls.Enqueue(userId);
            return Task.FromResult<IReadOnlyList<string>?>(["code-1-" + userId, "code-2-" + userId]);
        }
    }
}
