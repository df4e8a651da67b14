using System.Net;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Totp;

namespace FunctionsMfa.Tests.SignIns;

/// <summary>
/// A sign-in's changing state is a row of the user's partition (<c>signin_{id}</c>), committed with its outcome. It is
/// kept while readers may ask (a day past <c>abandon_at</c>) and then cleaned up by a later commit, with the expired
/// session rows: the partition does not grow with every sign-in.
/// </summary>
public sealed class SignInStateRowTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task A_completed_sign_in_is_its_state_row_until_a_later_commit_cleans_it_up_after_a_day()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var first = await app.StartSignInAsync(user.UserId);
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(first, "backup_code", user.BackupCodes[0])).StatusCode);

        var rows = await app.PartitionAsync(user.UserId);
        Assert.Equal("complete", rows["signin_" + first.Id].GetString("Status"));
        Assert.Contains(rows.Keys, k => k.StartsWith("session_", StringComparison.Ordinal));
        // The backend reads the completion from that row, and the creation row alone would say otherwise.
        var read = await (await app.BackendClient().GetAsync($"/v1/sign_ins/{first.Id}")).JsonAsync();
        Assert.Equal("complete", read.GetProperty("status").GetString());
        Assert.Equal(rows["signin_" + first.Id].GetString("CreatedSessionId"), read.GetProperty("created_session_id").GetString());

        // A day past its abandon_at, the next commit in the partition deletes it (and the sessions that expired).
        app.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var second = await app.StartSignInAsync(user.UserId);
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(second, "backup_code", user.BackupCodes[1])).StatusCode);

        rows = await app.PartitionAsync(user.UserId);
        Assert.DoesNotContain("signin_" + first.Id, rows.Keys);
        Assert.Equal("complete", rows["signin_" + second.Id].GetString("Status"));
        Assert.Single(rows.Keys, k => k.StartsWith("session_", StringComparison.Ordinal));

        // The first sign-in stays done: past its abandon_at it cannot be attempted again.
        await (await app.AttemptAsync(first, "backup_code", user.BackupCodes[2])).ErrorAsync(410, "sign_in_expired");
    }
}
