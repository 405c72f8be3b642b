package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.livekit.server.RoomServiceClient;
import java.time.Duration;
import java.util.List;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import retrofit2.Response;

/** The fake LiveKit server against the real SDK client: wire format and token check. */
class FakeLiveKitServerTest {

  static final String KEY = "APItestkey";
  static final String SECRET = "test-secret-that-is-long-enough-for-hs256";

  private final CallLedger ledger = new CallLedger();
  private final FakeLiveKitServer server = new FakeLiveKitServer(ledger, null, KEY, SECRET);

  @AfterEach
  void stop() {
    server.close();
  }

  static Call liveCall(CallLedger ledger, String pod, String version) {
    Call call = ledger.newCall("voice", "support", pod, version, Duration.ofSeconds(60));
    ledger.begin(call);
    return call;
  }

  @Test
  void listRoomsAndParticipantsRoundTripThroughTheSdk() throws Exception {
    Call live = liveCall(ledger, "support-abc-1", "v1");
    Call ended = liveCall(ledger, "support-abc-2", "v1");
    ledger.end(ended, CallRecord.Outcome.COMPLETED);
    server.addIdleRooms(2);

    RoomServiceClient client = RoomServiceClient.createClient(server.url(), KEY, SECRET);
    Response<List<Room>> rooms = client.listRooms().execute();
    assertThat(rooms.isSuccessful()).isTrue();
    assertThat(rooms.body()).extracting(Room::getName).containsExactlyInAnyOrder("call-" + live.id(), "idle-0", "idle-1");
    Room room = rooms.body().stream().filter(r -> r.getName().startsWith("call-")).findFirst().orElseThrow();
    assertThat(room.getNumParticipants()).isEqualTo(2);

    Response<List<ParticipantInfo>> participants = client.listParticipants(room.getName()).execute();
    assertThat(participants.isSuccessful()).isTrue();
    ParticipantInfo agent = participants.body().stream()
        .filter(p -> p.getKind() == ParticipantInfo.Kind.AGENT).findFirst().orElseThrow();
    assertThat(agent.getAttributesMap())
        .containsEntry("openrtc.version", "v1")
        .containsEntry("openrtc.pod", "support-abc-1");
    assertThat(participants.body()).extracting(ParticipantInfo::getKind)
        .containsExactlyInAnyOrder(ParticipantInfo.Kind.AGENT, ParticipantInfo.Kind.STANDARD);

    // A room that is gone is not_found (404), as on the real server.
    assertThat(client.listParticipants("call-" + ended.id()).execute().code()).isEqualTo(404);
    // The ws:// signalling URL names the same server only once mapped to http:// (the operator does that).
    assertThat(server.wsUrl()).startsWith("ws://127.0.0.1:");

    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(1);
    assertThat(server.requests(FakeLiveKitServer.LIST_PARTICIPANTS)).isEqualTo(2);
    assertThat(server.rejected()).isZero();
  }

  @Test
  void aTokenSignedWithAnotherSecretOrForAnotherKeyIsRejected() throws Exception {
    liveCall(ledger, "p", "v1");
    Response<List<Room>> wrongSecret = RoomServiceClient
        .createClient(server.url(), KEY, "another-secret-that-is-long-enough-too").listRooms().execute();
    assertThat(wrongSecret.isSuccessful()).isFalse();
    assertThat(wrongSecret.code()).isEqualTo(401);
    Response<List<Room>> wrongKey = RoomServiceClient
        .createClient(server.url(), "APIother", SECRET).listRooms().execute();
    assertThat(wrongKey.code()).isEqualTo(401);
    assertThat(server.rejected()).isEqualTo(2);
  }

  @Test
  void wrongAuthFaultRejectsEvenTheRightToken() throws Exception {
    server.setFault(FakeLiveKitServer.Fault.WRONG_AUTH);
    assertThat(RoomServiceClient.createClient(server.url(), KEY, SECRET).listRooms().execute().code()).isEqualTo(401);
    server.setFault(FakeLiveKitServer.Fault.NONE);
    assertThat(RoomServiceClient.createClient(server.url(), KEY, SECRET).listRooms().execute().isSuccessful()).isTrue();
  }
}
