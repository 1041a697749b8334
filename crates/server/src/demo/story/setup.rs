//! The call center the story runs in: the IVR application's URL, a trunk whose far end is
//! the callers' address, and the staff's extensions, phones and agent logins.

use std::net::IpAddr;

use serde_json::json;

use super::{DemoError, Person, Story, ALICE_NUM, DID};

/// The call center: IVR URL, a trunk whose far end is the caller, extensions and agents.
pub(super) async fn setup(
    story: &Story<'_>,
    trunk_ip: IpAddr,
    staff: [&Person; 3],
) -> Result<(), DemoError> {
    let site = story.site;
    site.admin(
        "POST",
        &format!("/v1/callcenters/{}", site.cc),
        json!({"ivr_url": format!("{}/ivr", story.ivr.base)}),
    )
    .await?;
    // Every caller's phone sits on the trunk's address, each on a port of its own.
    let trunk = json!({"name": "carrier", "host": trunk_ip.to_string(),
                       "callcenter_id": site.cc, "inbound_numbers": [DID]});
    site.admin("POST", "/v1/trunks", trunk).await?;
    story.say(format!(
        "trunk \"carrier\" at {trunk_ip} delivers {DID} to the IVR {}/ivr",
        story.ivr.base
    ));
    for p in staff {
        login(story, p).await?;
    }
    Ok(())
}

/// Gives `p` an extension, registers its phone there and logs it in as an agent: alice
/// (skill billing) starts busy so the caller waits in the queue a moment; sam has the
/// supervisor skill, bob support.
async fn login(story: &Story<'_>, p: &Person) -> Result<(), DemoError> {
    let (user, password) = (p.user, format!("{}pw1", p.name));
    let ext = story
        .site
        .api(
            "POST",
            "/v1/callcenter/extension",
            json!({"type": 1, "user": user, "password": password}),
        )
        .await?;
    p.phone.register(&password).await?;
    let (skill, state, num) = match p.name {
        "alice" => ("billing", "busy/briefing", ALICE_NUM),
        "sam" => ("supervisor", "idle", "2001"),
        _ => ("support", "idle", "2000"),
    };
    story
        .site
        .api(
            "POST",
            "/v1/callcenter/agent",
            json!({"name": p.name, "num": num, "state": state, "extension": ext["id"],
                   "skills": [{"name": skill, "score": 80, "enabled": true}]}),
        )
        .await?;
    story.say(format!(
        "{} registered as {user} and logged in ({state}, skill {skill})",
        p.name
    ));
    Ok(())
}
