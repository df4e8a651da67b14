using System.Net;
using Azure.Data.Tables;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;

namespace FunctionsMfa.Tests.Security;

/// <summary>
/// The races with two handler processes on one Azurite, as when Azure scales out: the test app (in-process) and a
/// second instance (a real separate process); half of the requests go to each.
/// </summary>
public sealed class TwoInstanceTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Across_two_instances_twenty_concurrent_redemptions_of_one_code_have_exactly_one_winner_every_time()
    {
        await using var second = await SecondInstance.StartAsync(app);
        for (var round = 0; round < 10; round++)
        {
            var userId = Wire.NewUserId();
            var codes = await app.UserWithBackupCodesAsync(userId);
            var signIns = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.StartSignInAsync(userId)));

            var responses = await Task.WhenAll(signIns.Select((s, i) =>
                SecondFactorFlows.AttemptAsync(i % 2 == 0 ? app.ClientWithToken(s.ClientToken) : second.ClientWithToken(s.ClientToken), s, "backup_code", codes[0])));

            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            Assert.True(statuses.Count(s => s == 200) == 1, $"round {round}: {string.Join(",", statuses)}");
            Assert.All(statuses.Where(s => s != 200), s => Assert.True(s is 422 or 403, $"round {round}: {s}"));
            Assert.Equal(9, (await app.BackendUserAsync(userId)).GetProperty("backup_codes_remaining").GetInt32());
        }
    }

    [Fact]
    public async Task Across_two_instances_ten_concurrent_wrong_attempts_are_all_counted_and_lock_the_user()
    {
        await using var second = await SecondInstance.StartAsync(app);
        for (var round = 0; round < 3; round++)
        {
            var userId = Wire.NewUserId();
            var codes = await app.UserWithBackupCodesAsync(userId);
            var signIns = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.StartSignInAsync(userId)));

            var responses = await Task.WhenAll(signIns.Select((s, i) =>
                SecondFactorFlows.AttemptAsync(i % 2 == 0 ? app.ClientWithToken(s.ClientToken) : second.ClientWithToken(s.ClientToken), s, "backup_code", SecondFactorFlows.WrongBackupCode())));

            var bodies = await Task.WhenAll(responses.Select(r => r.JsonAsync()));
            var remaining = bodies.Select(b => b.GetProperty("errors")[0].GetProperty("meta").GetProperty("attempts_remaining").GetInt32()).Order().ToList();
            Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], remaining);
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Forbidden);

            var table = new TableClient(app.StorageConnectionString, "mfausers");
            var state = await table.GetEntityAsync<TableEntity>(userId, "state");
            Assert.Equal(10, state.Value.GetInt32("Failures"));

            // Both instances now refuse even the right code.
            var viaSecond = await app.StartSignInAsync(userId);
            await (await SecondFactorFlows.AttemptAsync(second.ClientWithToken(viaSecond.ClientToken), viaSecond, "backup_code", codes[0])).ErrorAsync(403, "user_locked");
            await (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", codes[0])).ErrorAsync(403, "user_locked");
        }
    }
}
