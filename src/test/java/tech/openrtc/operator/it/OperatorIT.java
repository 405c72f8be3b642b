package tech.openrtc.operator.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh simulated cluster and operator for every test. */
abstract class OperatorIT {

  OperatorTestSupport t;

  @BeforeEach
  void startClusterAndOperator() {
    t = OperatorTestSupport.start();
  }

  @AfterEach
  void stopClusterAndOperator() {
    t.close();
  }
}
