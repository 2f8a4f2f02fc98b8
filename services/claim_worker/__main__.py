from services.claim_worker.main import main

main()
